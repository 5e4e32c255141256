import { userInfo } from 'node:os';

/** The operating-system account that ran the command, as an audit identifier (printable ASCII, no spaces). */
export function operatingSystemActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    return 'system';
  }
  const cleaned = name.replace(/[^\x21-\x7e]/g, '_').slice(0, 100);
  return cleaned === '' ? 'system' : `os-user:${cleaned}`;
}
