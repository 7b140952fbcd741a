import { IconArrowsExchange, IconBuildingBank, IconChartPie, IconHome, IconListDetails, IconReportAnalytics, IconRoute, IconSettings, IconWallet } from '@tabler/icons-react';

/** The studio's navigation, in order; every entry is a live route (pages owned elsewhere show what exists so far). */
export const navigation = [
  { to: '/', label: 'Dashboard', icon: IconHome, end: true },
  { to: '/flows', label: 'Flows', icon: IconRoute },
  { to: '/budget', label: 'Budget', icon: IconChartPie },
  { to: '/transactions', label: 'Transactions', icon: IconArrowsExchange },
  { to: '/accounts', label: 'Accounts & Entities', icon: IconWallet },
  { to: '/banking', label: 'Bank accounts', icon: IconBuildingBank },
  { to: '/reports', label: 'Reports', icon: IconReportAnalytics },
  { to: '/settings', label: 'Settings', icon: IconSettings },
] as const;

export const registerIcon = IconListDetails;
