import type { RouteRecordRaw } from 'vue-router'
import { createRouter, createWebHashHistory } from 'vue-router'
import { useSessionStore } from '@/stores/session.store'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/pages/LoginPage.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/pages/AppShell.vue'),
    children: [
      { path: '', name: 'dashboard', component: () => import('@/pages/DashboardPage.vue') },
      { path: 'agents/:id', name: 'agent', component: () => import('@/pages/AgentDetailPage.vue'), props: true },
      { path: 'agents/:id/test', name: 'agent-test', component: () => import('@/pages/AgentTestPage.vue'), props: true },
      { path: 'executions/:id', name: 'execution', component: () => import('@/pages/ExecutionPage.vue'), props: true },
      { path: 'conversations', name: 'conversations', component: () => import('@/pages/ConversationsPage.vue') },
      { path: 'conversations/:id', name: 'conversation', component: () => import('@/pages/ConversationPage.vue'), props: true },
      { path: 'pools', name: 'pools', component: () => import('@/pages/PoolsPage.vue') },
      { path: 'pools/:poolId', name: 'pool', component: () => import('@/pages/PoolDetailPage.vue'), props: true },
      { path: 'workflows', name: 'workflows', component: () => import('@/pages/WorkflowsPage.vue') },
      { path: 'workflows/new', name: 'workflow-new', component: () => import('@/pages/WorkflowEditPage.vue') },
      { path: 'workflows/:id', name: 'workflow', component: () => import('@/pages/WorkflowPage.vue'), props: true },
      { path: 'workflows/:id/edit', name: 'workflow-edit', component: () => import('@/pages/WorkflowEditPage.vue'), props: true },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

/**
 * Hash history: the server serves one `index.html` and prints links like `/#/?token=…`, and whatever
 * follows `#` never reaches a server or its logs.
 */
export function createAppRouter() {
  const router = createRouter({
    history: createWebHashHistory(),
    routes,
    scrollBehavior: (to, from, saved) => saved ?? (to.path !== from.path ? { top: 0 } : undefined),
  })

  router.beforeEach((to) => {
    const session = useSessionStore()
    if (!to.meta.public && !session.token) {
      return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
    }
    if (to.name === 'login' && session.token) return { path: '/' }
    return true
  })

  return router
}
