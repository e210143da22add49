// The version string initctl version and upstart --version print.
export const VERSION = 'upstart-ts 0.1.0';
