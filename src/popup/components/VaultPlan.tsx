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
  return (
    <>
      <label class="field">
        <span>Vault name</span>
        <input value={plan.name} maxLength={64} onInput={(e) => onPlan({ ...plan, name: (e.target as HTMLInputElement).value })} />
      </label>
      <QuorumFields n={plan.n} t={plan.t} devices={[2, 3, 4, 5]} onChange={(n, t) => onPlan({ ...plan, n, t })} />
      <p class="muted small">
        This browser is one device; the others (your phone, or a co-signer you run) join by scanning a QR code. Any {plan.t} of the {plan.n}{' '}
        devices sign together; the key never exists in one place.
      </p>
    </>
  );
}

/**
 * How many devices, and how many of them must sign (2..n, the suggested
 * threshold marked). Picking a device count resets the threshold to the
 * suggested one. `label` names the device count ("Devices", "Devices after");
 * `thresholdLabel` is the threshold select's accessible name.
 */
export function QuorumFields({
  n,
  t,
  devices,
  onChange,
  label = 'Devices',
  thresholdLabel = 'Needed to sign',
}: {
  n: number;
  t: number;
  devices: readonly number[];
  onChange: (n: number, t: number) => void;
  label?: string;
  thresholdLabel?: string;
}) {
  return (
    <div class="plan-row">
      <label class="field grow">
        <span>{label}</span>
        <select
          aria-label={label}
          value={n}
          onChange={(e) => {
            const next = Number((e.target as HTMLSelectElement).value);
            onChange(next, suggestedThreshold(next));
          }}
        >
          {devices.map((x) => (
            <option key={x} value={x}>
              {x} devices
            </option>
          ))}
        </select>
      </label>
      <label class="field grow">
        <span>Needed to sign</span>
        <select aria-label={thresholdLabel} value={t} onChange={(e) => onChange(n, Number((e.target as HTMLSelectElement).value))}>
          {Array.from({ length: n - 1 }, (_, i) => i + 2).map((x) => (
            <option key={x} value={x}>
              {x} of {n}
              {x === suggestedThreshold(n) ? ' (suggested)' : ''}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
