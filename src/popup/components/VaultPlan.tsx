/** Name, number of devices and threshold of a new co-signed vault (t = ceil(2n/3) unless the user picks another). */
import { useState } from 'preact/hooks';

export interface Plan {
  name: string;
  n: number;
  t: number;
}

/** Threshold suggested for n devices: ceil(2n/3), at least 2. */
export function suggestedThreshold(n: number): number {
  return Math.max(2, Math.ceil((2 * n) / 3));
}

export function usePlan(initialName: string) {
  const [plan, setPlan] = useState<Plan>({ name: initialName, n: 2, t: 2 });
  return [plan, setPlan] as const;
}

export function VaultPlanFields({ plan, onPlan }: { plan: Plan; onPlan: (p: Plan) => void }) {
  const devices = [2, 3, 4, 5];
  return (
    <>
      <label class="field">
        <span>Vault name</span>
        <input value={plan.name} maxLength={64} onInput={(e) => onPlan({ ...plan, name: (e.target as HTMLInputElement).value })} />
      </label>
      <div class="plan-row">
        <label class="field grow">
          <span>Devices</span>
          <select
            aria-label="Devices"
            value={plan.n}
            onChange={(e) => {
              const n = Number((e.target as HTMLSelectElement).value);
              onPlan({ ...plan, n, t: suggestedThreshold(n) });
            }}
          >
            {devices.map((n) => (
              <option key={n} value={n}>
                {n} devices
              </option>
            ))}
          </select>
        </label>
        <label class="field grow">
          <span>Needed to sign</span>
          <select aria-label="Needed to sign" value={plan.t} onChange={(e) => onPlan({ ...plan, t: Number((e.target as HTMLSelectElement).value) })}>
            {Array.from({ length: plan.n - 1 }, (_, i) => i + 2).map((t) => (
              <option key={t} value={t}>
                {t} of {plan.n}
                {t === suggestedThreshold(plan.n) ? ' (suggested)' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p class="muted small">
        This browser is one device; the others (your phone, or a co-signer you run) join by scanning a QR code. Any {plan.t} of the {plan.n} devices
        sign together; the key never exists in one place.
      </p>
    </>
  );
}
