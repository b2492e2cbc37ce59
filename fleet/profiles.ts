/** Compose profile that every MCP service carries, so `--profile all` starts the whole fleet. */
export const ALL_PROFILE = 'all';
