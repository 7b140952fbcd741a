import { Title } from '@mantine/core';

export default function PlaceholderPage() {
  return <Title>Sluice</Title>;
}
