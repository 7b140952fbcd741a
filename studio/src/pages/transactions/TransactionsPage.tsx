import { Title } from '@mantine/core';

export default function TransactionsPage() {
  return <Title order={1}>Transactions</Title>;
}
