import { Title } from '@mantine/core';

export default function AccountRegisterPage() {
  return <Title order={1}>AccountRegister</Title>;
}
