import { Divider, Stack } from '@mantine/core';
import { PageHeader } from '../../shell/PageHeader';
import { BankConnections } from './BankConnections';
import { FileImport } from './FileImport';

/** Bank data in: linked banks (status, sync, re-authenticate), connecting one, and statement files. */
export default function BankingPage() {
  return (
    <Stack>
      <PageHeader title="Bank accounts" description="Money comes in once, from banks and files, and lands in the entity it belongs to." />
      <BankConnections />
      <Divider />
      <FileImport />
    </Stack>
  );
}
