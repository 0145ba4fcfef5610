// The pass/fail counter and the admin calls shared by the TypeScript flows against
// `clobkit serve` (the Node side of checks.py and wallets.py): check() prints what failed and the
// `N passed, 1 failed` line that run.sh reads, then exits 1; done() prints `N passed, 0 failed`.
import { readFileSync } from "node:fs";

let passed = 0;

export function check(cond, what) {
  if (!cond) {
    console.log(`FAIL: ${what}`);
    console.log(`${passed} passed, 1 failed`);
    process.exit(1);
  }
  passed += 1;
}

export function done() {
  console.log(`${passed} passed, 0 failed`);
}

// A function that posts an admin call to the exchange at `host` with the token of `data`, and
// throws unless it is answered 200.
export function adminOf(host, data) {
  const token = readFileSync(`${data}/admin-token`, "utf8").trim();
  return async (path, body) => {
    const r = await fetch(`${host}/admin/${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
}
