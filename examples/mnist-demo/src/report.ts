// Terminal output for the demo: a progress bar (redrawn in place on a terminal, one line per
// epoch otherwise) and a plain-text table.

export class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  constructor(private readonly label: string, private readonly total: number) {}

  update(done: number, loss: number): void {
    if (!this.tty) return;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    process.stdout.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} loss ${loss.toFixed(4)}`);
  }

  done(summary: string): void {
    process.stdout.write(`${this.tty ? '\r\x1b[K' : ''}${this.label}: ${summary}\n`);
  }
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
