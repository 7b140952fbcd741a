import { Title } from '@mantine/core';

export default function AccountsPage() {
  return <Title order={1}>Accounts</Title>;
}
