import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

export type AppLocale = 'en' | 'zh-CN'
export type AppTheme = 'light' | 'dark'

export const LOCALES: readonly AppLocale[] = ['en', 'zh-CN']

/** Each language names itself, so someone who cannot read the current one still finds theirs. */
export const LOCALE_NAMES: Record<AppLocale, string> = { en: 'English', 'zh-CN': '简体中文' }

const LOCALE_KEY = 'switchboard.locale'
const THEME_KEY = 'switchboard.theme'

function read(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value)
  } catch {
    // Preferences are a convenience; without storage they last for the tab.
  }
}

function initialLocale(): AppLocale {
  const stored = read(LOCALE_KEY)
  if (stored === 'en' || stored === 'zh-CN') return stored
  return navigator.languages.some((l) => l.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en'
}

const darkQuery = (): MediaQueryList | null =>
  typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null

export const usePreferencesStore = defineStore('preferences', () => {
  const locale = ref<AppLocale>(initialLocale())
  const storedTheme = read(THEME_KEY)
  /** An explicit choice; until one is made the theme follows the operating system. */
  const themeChoice = ref<AppTheme | null>(storedTheme === 'light' || storedTheme === 'dark' ? storedTheme : null)
  const systemDark = ref(darkQuery()?.matches ?? false)
  darkQuery()?.addEventListener('change', (e) => {
    systemDark.value = e.matches
  })

  const theme = ref<AppTheme>(themeChoice.value ?? (systemDark.value ? 'dark' : 'light'))
  watch(systemDark, (dark) => {
    if (themeChoice.value === null) theme.value = dark ? 'dark' : 'light'
  })

  function setLocale(next: AppLocale): void {
    locale.value = next
    write(LOCALE_KEY, next)
  }

  function toggleTheme(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
    themeChoice.value = theme.value
    write(THEME_KEY, theme.value)
  }

  return { locale, theme, setLocale, toggleTheme }
})
