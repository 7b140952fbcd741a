import { Alert, SegmentedControl, Stack, Text } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { entityKindLabel } from '../../shell/EntityBadge';
import { useEntityScope } from '../../shell/entity-scope';
import { PageHeader } from '../../shell/PageHeader';
import { BudgetBoard } from './BudgetBoard';
import { currentMonth, isMonth } from './months';

/** /budget: the zero-based budget board of the entity you are working in; the month is in the URL (?month=YYYY-MM). */
export default function BudgetPage() {
  const { entity, entities, select } = useEntityScope();
  const [params, setParams] = useSearchParams();
  const requested = params.get('month');
  const month = isMonth(requested) ? requested : currentMonth();
  return (
    <Stack gap="lg">
      <PageHeader
        title="Budget"
        entity={entity}
        description="Give every dollar of this entity a job. Each entity has its own board: the LLC's money never shows on the personal one."
        actions={
          entities.length > 1 && entity ? (
            <Stack gap={2}>
              <Text size="xs" id="budget-entity-label">
                Entity
              </Text>
              <SegmentedControl
                aria-labelledby="budget-entity-label"
                value={entity.id}
                onChange={select}
                data={entities.map((candidate) => ({ value: candidate.id, label: `${entityKindLabel[candidate.kind]} · ${candidate.name}` }))}
              />
            </Stack>
          ) : undefined
        }
      />
      {!entity ? (
        <Alert title="No entity yet">Create an entity on the Accounts & Entities page first.</Alert>
      ) : (
        <BudgetBoard key={entity.id} entity={entity} month={month} onMonthChange={(next) => setParams((current) => {
          const updated = new URLSearchParams(current);
          updated.set('month', next);
          return updated;
        })} />
      )}
    </Stack>
  );
}
