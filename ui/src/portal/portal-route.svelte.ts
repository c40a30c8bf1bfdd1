// The portal's page, kept in the URL path (/, /register/<id>, /report, /track, /sighting, /search) so
// that a shared link opens the right page and the server can render its preview tags.
export type PortalPage =
  | { name: 'register' }
  | { name: 'child'; publicId: string }
  | { name: 'report' }
  | { name: 'track' }
  | { name: 'sighting' }
  | { name: 'search' };

export function pageFromPath(path: string): PortalPage {
  const child = /^\/register\/([^/]+)\/?$/.exec(path);
  if (child?.[1]) return { name: 'child', publicId: decodeURIComponent(child[1]) };
  if (path.startsWith('/report')) return { name: 'report' };
  if (path.startsWith('/track')) return { name: 'track' };
  if (path.startsWith('/sighting')) return { name: 'sighting' };
  if (path.startsWith('/search')) return { name: 'search' };
  return { name: 'register' };
}

class PortalRoute {
  page = $state<PortalPage>(pageFromPath(location.pathname));
  search = $state(location.search);

  constructor() {
    window.addEventListener('popstate', () => this.sync());
  }

  private sync(): void {
    this.page = pageFromPath(location.pathname);
    this.search = location.search;
  }

  /** Opens a portal path without reloading the page. */
  go(path: string): void {
    history.pushState(null, '', path);
    this.sync();
    window.scrollTo(0, 0);
  }
}

export const portalRoute = new PortalRoute();

/** Click handler for links inside the portal: same-page navigation unless a modifier key requests a new tab. */
export function navigate(event: MouseEvent & { currentTarget: HTMLAnchorElement }): void {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  portalRoute.go(event.currentTarget.getAttribute('href') ?? '/');
}
