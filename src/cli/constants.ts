/** Exit codes shared by every command: 0 clean, 1 findings at/above the chosen severity, 2 could not run. */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_FAILED = 2;

export const VERSION = "0.1.0";
