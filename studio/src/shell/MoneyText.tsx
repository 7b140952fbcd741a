import { Text, type TextProps } from '@mantine/core';
import { formatMoney } from './money';

/** An amount as text, right-aligned figures; negative amounts read with a minus sign, never by colour alone. */
export function MoneyText({ value, currency = 'USD', ...props }: { value: string; currency?: string } & TextProps) {
  const negative = value.startsWith('-') && !/^-0(\.0+)?$/.test(value);
  return (
    <Text component="span" ff="monospace" c={negative ? 'red.9' : undefined} style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }} {...props}>
      {formatMoney(value, currency)}
    </Text>
  );
}
