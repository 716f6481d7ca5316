import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { adoptTokenFromLocation } from './api/auth-token'
import App from './App.vue'
import { createAppI18n } from './i18n/i18n.setup'
import { createAppRouter } from './router/routes'
import { usePreferencesStore } from './stores/preferences.store'
import './ui/element-plus'
import './styles/main.css'

// Before the router reads the address: the token must leave it before anything can log or share it.
adoptTokenFromLocation()

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(createAppI18n(usePreferencesStore(pinia).locale))
app.use(createAppRouter())
app.mount('#app')
