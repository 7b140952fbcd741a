import type { DependencyContainer } from 'tsyringe';

export async function seedDemoIfEmpty(_container: DependencyContainer): Promise<{ created: boolean; email: string }> {
  return { created: false, email: 'demo@sluice.local' };
}
