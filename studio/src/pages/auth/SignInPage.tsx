import { Title } from '@mantine/core';

export default function SignInPage() {
  return <Title order={1}>SignIn</Title>;
}
