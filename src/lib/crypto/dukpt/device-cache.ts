import { BastionError } from '../../errors/index.js';
import { DerivationPathCache, type DerivationStep } from './derivation-path.js';

/** What a host remembers of one device: its initial key, its walk step, and its last walk. */
export interface DeviceWalk<K> {
  readonly initialKey: K;
  readonly step: DerivationStep<K>;
  readonly path: DerivationPathCache<K>;
}

/** How many devices a DUKPT host remembers unless told otherwise. */
export const dukptDevicesCachedDefault = 1024;
export const dukptDevicesCachedMax = 1_000_000;

/**
 * The devices a host has seen most recently, each with its initial key and the keys of its last
 * counter walk, so a terminal's next KSN costs only the steps whose working counter changed.
 * A busy host sees the same terminals again and again, interleaved; remembering only the last
 * device would lose all reuse. Bounded: past `devicesMax` the least recently used is dropped.
 * Memory per device is at most one key per counter bit (21 TDES, 32 AES) plus their schedules.
 */
export class DeviceWalkCache<K> {
  private readonly devices = new Map<string, DeviceWalk<K>>();
  readonly devicesMax: number;

  constructor(devicesMax: number = dukptDevicesCachedDefault) {
    if (!Number.isInteger(devicesMax) || devicesMax < 1 || devicesMax > dukptDevicesCachedMax) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `devicesCachedMax must be 1 to ${dukptDevicesCachedMax}`, {
        argument: 'devicesCachedMax',
        value: devicesMax,
      });
    }
    this.devicesMax = devicesMax;
  }

  /** The device's remembered walk, created by `create` on a miss; marks it most recently used. */
  device(id: string, create: () => Omit<DeviceWalk<K>, 'path'>): DeviceWalk<K> {
    const known = this.devices.get(id);
    if (known !== undefined) {
      this.devices.delete(id);
      this.devices.set(id, known);
      return known;
    }
    const fresh: DeviceWalk<K> = { ...create(), path: new DerivationPathCache<K>() };
    this.devices.set(id, fresh);
    if (this.devices.size > this.devicesMax) {
      const oldest = this.devices.keys().next();
      if (oldest.done !== true) this.devices.delete(oldest.value);
    }
    return fresh;
  }

  get size(): number {
    return this.devices.size;
  }
}
