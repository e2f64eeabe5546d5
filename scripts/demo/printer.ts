import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];
const paint = (style: Style, text: string) => (process.stdout.isTTY ? styleText(style, text) : text);

/** How the tour talks to the person watching it. */
export const say = {
  section(title: string): void {
    console.log(`\n${paint('bold', `━━ ${title} ━━`)}`);
  },
  step(title: string): void {
    console.log(`\n${paint('cyan', '▸')} ${paint('bold', title)}`);
  },
  line(text: string): void {
    console.log(`  ${text}`);
  },
  ok(text: string): void {
    console.log(`  ${paint('green', '✓')} ${text}`);
  },
  caught(text: string): void {
    console.log(`  ${paint('yellow', '⚠')} ${text}`);
  },
  data(value: unknown): void {
    console.log(`  ${paint('gray', JSON.stringify(value))}`);
  },
};
export type Say = typeof say;
