// A line diff (LCS) for the side-by-side View diff: each side's lines with
// whether they are unchanged.
export interface Line {
  text: string;
  same: boolean;
}

export function lineDiff(a: string, b: string): { left: Line[]; right: Line[] } {
  const x = a.split("\n");
  const y = b.split("\n");
  const n = x.length;
  const m = y.length;
  // lcs[i][j] = LCS length of x[i..] and y[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i]!;
      row[j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, row[j + 1]!);
    }
  }
  const left: Line[] = x.map((text) => ({ text, same: false }));
  const right: Line[] = y.map((text) => ({ text, same: false }));
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      left[i]!.same = true;
      right[j]!.same = true;
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
    else j++;
  }
  return { left, right };
}
