// The table of generated files: repository path → text. scripts/generate.ts writes them; a test checks they are current.
import { renderHelpHeader } from './help.ts';

export function generatedFiles(): Record<string, string> {
  return {
    'native/initctl/help.h': renderHelpHeader(),
  };
}
