// Runs before the first paint so a dark-mode user never sees a white flash. A separate file rather
// than an inline script keeps the page compatible with a strict Content-Security-Policy.
try {
  var theme = localStorage.getItem('switchboard.theme')
  if (theme === 'dark' || (theme !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches)) {
    document.documentElement.classList.add('dark')
  }
} catch {
  // No storage: the app applies the system theme once it starts.
}
