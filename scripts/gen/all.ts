// The table of generated files: repository path → text. scripts/generate.ts writes them; a test checks they are current.
import { renderBash, renderZsh } from './completion.ts';
import { renderHelpHeader } from './help.ts';
import { renderVimFtdetect, renderVimSyntax } from './vim.ts';

export function generatedFiles(): Record<string, string> {
  return {
    'native/initctl/help.h': renderHelpHeader(),
    'contrib/completion/initctl.bash': renderBash(),
    'contrib/completion/_initctl': renderZsh(),
    'contrib/vim/syntax/upstart.vim': renderVimSyntax(),
    'contrib/vim/ftdetect/upstart.vim': renderVimFtdetect(),
  };
}
