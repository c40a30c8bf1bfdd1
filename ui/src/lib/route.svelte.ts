// The page's view, kept in the URL hash (#/search, #/review, #/analysis, #/) so that links and the back button work
// and the API's single index.html serves every view.
export type View = 'dashboard' | 'search' | 'review' | 'boundaries' | 'deadlines' | 'analysis';

function viewFromHash(hash: string): View {
  if (hash.startsWith('#/search')) return 'search';
  if (hash.startsWith('#/review')) return 'review';
  if (hash.startsWith('#/boundaries')) return 'boundaries';
  if (hash.startsWith('#/deadlines')) return 'deadlines';
  if (hash.startsWith('#/analysis')) return 'analysis';
  return 'dashboard';
}

class Route {
  view = $state<View>(viewFromHash(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.view = viewFromHash(location.hash);
    });
  }
}

export const route = new Route();

export const VIEW_HASH: Record<View, string> = {
  dashboard: '#/',
  search: '#/search',
  review: '#/review',
  boundaries: '#/boundaries',
  deadlines: '#/deadlines',
  analysis: '#/analysis',
};
