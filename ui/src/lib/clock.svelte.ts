// The current time for relative labels ("12 min ago"), refreshed every 30 seconds.
const REFRESH_MS = 30_000;

class Clock {
  now = $state(Date.now());

  constructor() {
    setInterval(() => {
      this.now = Date.now();
    }, REFRESH_MS);
  }
}

export const clock = new Clock();
