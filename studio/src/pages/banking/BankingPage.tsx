import { Alert, Stack, Title } from '@mantine/core';

/** Placeholder until bank connections and file imports land in the studio; the API already has what the README lists. */
export default function BankingPage() {
  return (
    <Stack>
      <Title order={1}>Banking</Title>
      <Alert title="Being built">This page will show bank connections and file imports. Nothing here yet moves money.</Alert>
    </Stack>
  );
}
