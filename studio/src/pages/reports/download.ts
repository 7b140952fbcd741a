import { api, currentSession } from '../../api/client';

/**
 * Downloads need the bearer token, so a plain link will not do: fetch the file, then hand it to
 * the browser through a Blob URL. Text files go through api() (which refreshes an expired
 * session); a PDF is binary, so it is fetched directly and retried once after a refresh.
 */
export async function downloadFile(path: string, query: Record<string, string | undefined>, fileName: string, kind: 'csv' | 'pdf' | 'hledger'): Promise<void> {
  let blob: Blob;
  if (kind === 'pdf') {
    blob = await fetchPdf(path, query);
  } else {
    const text = await api<string>(path, { query, text: true });
    blob = new Blob([text], { type: kind === 'csv' ? 'text/csv;charset=utf-8' : 'text/plain;charset=utf-8' });
  }
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function fetchPdf(path: string, query: Record<string, string | undefined>): Promise<Blob> {
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  const attempt = () => fetch(url.pathname + url.search, { headers: { accept: 'application/pdf', ...(currentSession() ? { authorization: `Bearer ${currentSession()!.accessToken}` } : {}) } });
  let response = await attempt();
  if (response.status === 401) {
    await api('/me'); // refreshes the session, or throws when it cannot
    response = await attempt();
  }
  if (!response.ok) {
    const text = await response.text();
    let detail = `the server answered ${response.status}`;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
    } catch {
      // not problem+json
    }
    throw new Error(detail);
  }
  return response.blob();
}
