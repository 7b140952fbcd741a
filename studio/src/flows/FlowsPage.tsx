import { Title } from '@mantine/core';

export default function FlowsPage() {
  return <Title order={1}>Flows</Title>;
}
