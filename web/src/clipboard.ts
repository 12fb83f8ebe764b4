// Copying to the clipboard; silently does nothing where the browser refuses
// (no permission, or not a secure context).

export function copyText(s: string): void {
  navigator.clipboard?.writeText(s).catch(() => {});
}
