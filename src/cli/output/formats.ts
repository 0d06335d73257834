// The -o values, apart from the renderer so that building the program loads no rendering code.
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** -q/--quiet on a list: the NAME (else PROJECT, else first) column alone, one a line, for scripts. */
export type ListFormat = OutputFormat | 'quiet';
