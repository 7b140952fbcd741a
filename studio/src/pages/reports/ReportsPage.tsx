import { Alert, Stack, Title } from '@mantine/core';

/** Placeholder until statements and the inter-entity audit report land in the studio; the API already has what the README lists. */
export default function ReportsPage() {
  return (
    <Stack>
      <Title order={1}>Reports</Title>
      <Alert title="Being built">This page will show statements and the inter-entity audit report. Nothing here yet moves money.</Alert>
    </Stack>
  );
}
