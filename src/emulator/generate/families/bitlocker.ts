/**
 * BitLocker recovery keys: one operating-system-volume key per Windows device of the directory,
 * and a fixed-data-volume key for about one device in ten, as Entra stores them when devices
 * escrow their keys.
 *
 * Guarantees:
 * - keys are produced lazily, device by device, and the iterable can be walked any number of
 *   times with the same result (a large tenant has 50,000 devices; nothing is held in memory);
 * - the entity carries only what `GET /informationProtection/bitlocker/recoveryKeys` returns
 *   (`id`, `createdDateTime`, `deviceId`, `volumeType`); the 48-digit recovery password is not in
 *   it — `bitlockerRecoveryPassword(seed, keyId)` derives it, because Graph returns it only with
 *   `$select=key` (docs `bitlockerrecoverykey-get`, facts §6);
 * - recovery passwords look real: eight 6-digit blocks, each a multiple of 11 below 720,896, as
 *   BitLocker generates them.
 */
import { createRandom } from '../../random.js';
import type { FamilyContext } from '../context.js';
import { daysAgo, type GraphEntity } from './util.js';

export function isWindows(operatingSystem: string): boolean {
  return /^windows/i.test(operatingSystem);
}

export function bitlockerRecoveryPassword(seed: string, keyId: string): string {
  const random = createRandom(`${seed}/bitlocker-key/${keyId}`);
  const blocks: string[] = [];
  for (let i = 0; i < 8; i++) blocks.push(String(random.int(65_536) * 11).padStart(6, '0'));
  return blocks.join('-');
}

export function bitlockerKeys(ctx: FamilyContext): Iterable<GraphEntity> {
  return {
    *[Symbol.iterator]() {
      // One stream per walk, drawn in the directory's stable device order: cheap for 50,000
      // devices, and every walk yields the same keys.
      const random = ctx.random.fork('bitlocker');
      for (const device of ctx.devices()) {
        if (!isWindows(device.operatingSystem)) continue;
        const createdDays = 1 + random.next() * 700;
        yield { id: random.uuid(), createdDateTime: daysAgo(ctx, createdDays), deviceId: device.deviceId, volumeType: 'operatingSystemVolume' };
        if (random.chance(0.1)) {
          yield { id: random.uuid(), createdDateTime: daysAgo(ctx, createdDays * random.next()), deviceId: device.deviceId, volumeType: 'fixedDataVolume' };
        }
      }
    },
  };
}
