import { createI18n } from 'vue-i18n'
import type { AppLocale } from '@/stores/preferences.store'
import type { MessageSchema } from './messages.en'
import { en } from './messages.en'
import { zhCN } from './messages.zh-cn'

export function createAppI18n(locale: AppLocale) {
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'zh-CN': zhCN },
    missingWarn: import.meta.env.DEV,
    fallbackWarn: import.meta.env.DEV,
  })
}
