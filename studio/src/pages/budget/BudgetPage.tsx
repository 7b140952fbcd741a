import { Alert, Stack, Title } from '@mantine/core';

/** Placeholder until the zero-based budget board land in the studio; the API already has what the README lists. */
export default function BudgetPage() {
  return (
    <Stack>
      <Title order={1}>Budget</Title>
      <Alert title="Being built">This page will show the zero-based budget board. Nothing here yet moves money.</Alert>
    </Stack>
  );
}
