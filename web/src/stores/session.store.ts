import { defineStore } from 'pinia'
import { markRaw, ref } from 'vue'
import { clearToken, loadToken, saveToken } from '@/api/auth-token'
import type { HttpClient } from '@/api/http-client'
import { createHttpClient } from '@/api/http-client'

/** Why the login page is showing; each has a translated explanation. */
export type SignOutReason = 'invalid' | 'missing' | 'signed_out'

export const useSessionStore = defineStore('session', () => {
  const token = ref<string | null>(loadToken())
  const signOutReason = ref<SignOutReason | null>(null)

  function signIn(next: string): void {
    token.value = next
    signOutReason.value = null
    saveToken(next)
  }

  function signOut(reason: SignOutReason): void {
    if (token.value === null && signOutReason.value !== null) return
    token.value = null
    signOutReason.value = reason
    clearToken()
  }

  const http: HttpClient = markRaw(
    createHttpClient({
      getToken: () => token.value,
      onUnauthorized: (error) => signOut(error.code === 'SWB_AUTH_MISSING' ? 'missing' : 'invalid'),
    }),
  )

  return { token, signOutReason, signIn, signOut, http }
})
