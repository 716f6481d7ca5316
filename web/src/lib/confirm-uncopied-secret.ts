import { ElMessageBox } from '@/ui/element-plus'

/**
 * A secret is shown once: closing its dialog before copying it loses it for good. Asks first;
 * resolves true when the user still wants to close.
 */
export async function confirmLeavingUncopiedSecret(t: (key: string) => string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(t('hosts.credential.uncopiedBody'), t('hosts.credential.uncopiedTitle'), {
      type: 'warning',
      confirmButtonText: t('hosts.credential.closeAnyway'),
      cancelButtonText: t('hosts.credential.goBack'),
    })
    return true
  } catch {
    return false
  }
}
