import { Title } from '@mantine/core';

export default function FlowEditorPage() {
  return <Title order={1}>FlowEditor</Title>;
}
