import { useEffect, useState, type ComponentType, type ReactNode } from 'react';

/**
 * A component from a lazily loaded chunk that renders at once when the chunk is already loaded
 * (e.g. preloaded while the app started) and otherwise shows `fallback` until it is. Unlike
 * `React.lazy` it does not suspend: React throttles the reveal of a Suspense boundary to 300 ms
 * after its fallback appeared, which on a fast load is pure waiting.
 */
export function preloadable<P extends object>(load: () => Promise<{ default: ComponentType<P> }>, fallback: ReactNode) {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const preload = () =>
    (pending ??= load().then(
      (module) => (loaded = module.default),
      (error: unknown) => {
        pending = null; // the next mount tries again
        throw error;
      },
    ));
  function Preloadable(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (Component) return;
      let live = true;
      preload().then(
        (next) => live && setComponent(() => next),
        (failure: unknown) => live && setError(failure),
      );
      return () => {
        live = false;
      };
    }, [Component]);
    if (error) throw error;
    return Component ? <Component {...props} /> : <>{fallback}</>;
  }
  return Object.assign(Preloadable, { preload });
}
