/** Reads design tokens so canvas charts use the same colours as the page (call again after a theme change). */
export function cssVar(name: string, el: Element = document.documentElement): string {
  return getComputedStyle(el).getPropertyValue(name).trim()
}
