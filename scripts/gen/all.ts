// The table of generated files: repository path → text. scripts/generate.ts writes them; a test checks they are current.
import { renderBash, renderZsh } from './completion.ts';
import { renderHelpHeader, renderOptionsHeader } from './help.ts';
import { renderManPages } from './man.ts';
import { renderInitctlPage, renderUpstartPage } from './reference.ts';
import { renderVimFtdetect, renderVimSyntax } from './vim.ts';

export function generatedFiles(): Record<string, string> {
  const pages = {
    'docs/reference/initctl.md': renderInitctlPage(),
    'docs/reference/upstart.md': renderUpstartPage(),
  };
  return {
    'native/initctl/help.h': renderHelpHeader(),
    'native/initctl/options.h': renderOptionsHeader(),
    'contrib/completion/initctl.bash': renderBash(),
    'contrib/completion/_initctl': renderZsh(),
    'contrib/vim/syntax/upstart.vim': renderVimSyntax(),
    'contrib/vim/ftdetect/upstart.vim': renderVimFtdetect(),
    ...pages,
    // The man pages are made from the pages above (the generated ones as they are now).
    ...renderManPages(pages),
  };
}
