// A job as both the dashboard (/jobs) and a source's page show it: its title and its progress
// in words ("42.0% · 1.2 MB of 3.0 MB · 512 KB/s · ETA 0:04").
import { statusLabel } from './meta.js';
import { formatBytes, formatDuration } from './ui.js';

export const jobTitle = (job) => job.title || job.video_id || `${statusLabel(job.kind)} #${job.id}`;

export function progressText(progress) {
  const parts = [`${(progress.percent ?? 0).toFixed(1)}%`];
  if (progress.total_bytes) parts.push(`${formatBytes(progress.downloaded_bytes)} of ${formatBytes(progress.total_bytes)}`);
  if (progress.speed) parts.push(`${formatBytes(progress.speed)}/s`);
  if (progress.eta !== null && progress.eta !== undefined) parts.push(`ETA ${formatDuration(progress.eta)}`);
  return parts.join(' · ');
}
