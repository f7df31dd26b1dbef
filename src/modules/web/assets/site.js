// Inkstone reader site: enhancements only. Every page works without this file; with it, lists
// load their next page as the reader nears the end (the "more" link stays the fallback), the
// search box offers suggestions from the app's own suggestion API while typing, likes, collects
// and follows switch without a reload, the SMS button counts down, notifications arrive live, and
// a feed brings new stories when the reader comes back to it.
(() => {
  'use strict';

  // Infinite scroll: when the "more" link of a list comes into view, fetch that page, append its
  // items and take over its "more" link (or drop ours when there is none).
  function followMore(link) {
    const list = link.previousElementSibling;
    if (!list || !list.matches('ol.feed') || !('IntersectionObserver' in window)) return;
    let loading = false;
    const observer = new IntersectionObserver(
      async (entries) => {
        if (loading || !entries.some((e) => e.isIntersecting)) return;
        loading = true;
        try {
          const response = await fetch(link.href, { headers: { accept: 'text/html' } });
          if (!response.ok) throw new Error(String(response.status));
          const page = new DOMParser().parseFromString(await response.text(), 'text/html');
          for (const item of page.querySelectorAll('ol.feed > li')) list.append(document.adoptNode(item));
          const next = page.querySelector('a.more[rel="next"]');
          if (next) link.href = next.getAttribute('href');
          else {
            observer.disconnect();
            link.remove();
          }
        } catch {
          // Leave the link: a click still works.
          observer.disconnect();
        } finally {
          loading = false;
        }
      },
      { rootMargin: '600px 0px' },
    );
    observer.observe(link);
  }

  // Suggestions: the search box gets a datalist filled from /app/v1_0/suggestion as the reader types.
  function suggest(input) {
    const list = document.createElement('datalist');
    list.id = 'search-suggestions';
    input.after(list);
    input.setAttribute('list', list.id);
    input.setAttribute('autocomplete', 'off');
    let timer;
    let asked = '';
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (!q || q === asked) return;
        asked = q;
        try {
          const response = await fetch(`/app/v1_0/suggestion?q=${encodeURIComponent(q)}`);
          if (!response.ok) return;
          const { data } = await response.json();
          if (q !== asked) return;
          list.replaceChildren(
            ...(data.options || []).filter(Boolean).map((option) => {
              const element = document.createElement('option');
              element.value = option;
              return element;
            }),
          );
        } catch {
          // Suggestions are a nicety: a failure leaves the box as it is.
        }
      }, 150);
    });
  }

  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

  // Toggles (like, collect, follow): the same form, sent with fetch; the button shows the new
  // state and count. Any failure falls back to the plain form post (which shows the server's page).
  function toggle(form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: 'POST',
          headers: { accept: 'application/json', 'x-csrf-token': csrf() },
          body: new URLSearchParams(new FormData(form)),
        });
        if (!response.ok) throw new Error(String(response.status));
        const state = await response.json();
        const [off, on] = (button.dataset.labels || '|').split('|');
        button.setAttribute('aria-pressed', String(state.on));
        button.querySelector('.label').textContent = state.on ? on : off;
        const count = button.querySelector('.count');
        if (count && typeof state.count === 'number') count.textContent = String(state.count);
        form.querySelector('input[name="on"]').value = state.on ? '0' : '1';
      } catch {
        form.submit();
      } finally {
        button.disabled = false;
      }
    });
  }

  // The SMS code button: asks with fetch, says what the server said, and counts down the minute
  // before another code may be asked for (the server's own limit; a 429 says how long is left).
  function smsButton(button) {
    const form = button.form;
    const message = document.getElementById('login-message');
    const label = button.dataset.label;
    let timer;
    const countdown = (seconds) => {
      clearInterval(timer);
      let left = seconds;
      const tick = () => {
        if (left <= 0) {
          clearInterval(timer);
          button.disabled = false;
          button.textContent = label;
          return;
        }
        button.disabled = true;
        button.textContent = button.dataset.resendText.replace('{s}', String(left));
        left -= 1;
      };
      tick();
      timer = setInterval(tick, 1000);
    };
    const say = (text, kind) => {
      message.textContent = text;
      message.className = kind;
    };
    const initial = Number(button.dataset.resendIn || 0);
    if (initial > 0) countdown(initial);
    button.addEventListener('click', async (event) => {
      const mobile = form.querySelector('input[name="mobile"]');
      if (!mobile.checkValidity()) return; // the browser's own message, then the server's
      event.preventDefault();
      try {
        const response = await fetch('/login/code', {
          method: 'POST',
          headers: { accept: 'application/json' },
          body: new URLSearchParams(new FormData(form)),
        });
        const body = await response.json().catch(() => ({}));
        if (response.ok) {
          say(body.message, 'info');
          countdown(body.resend_in || 60);
          form.querySelector('input[name="code"]').focus();
        } else if (response.status === 429) {
          const seconds = Number(response.headers.get('retry-after') || 60);
          say(button.dataset.tooFast.replace('{s}', String(seconds)), 'error');
          countdown(Math.min(seconds, 3600));
        } else {
          const text = typeof body.message === 'string' ? body.message : Object.values(body.message || {}).join(' ');
          say(text || response.statusText, 'error');
        }
      } catch {
        form.requestSubmit(button);
      }
    });
  }

  // Live notifications: the page's socket (signed in by the session cookie) adds what arrives.
  function live(list) {
    if (typeof window.io !== 'function') return;
    const socket = window.io({ transports: ['websocket', 'polling'] });
    const add = (type, payload) => {
      const item = document.createElement('li');
      item.className = 'unread';
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = list.dataset.unread;
      const text = (list.dataset[type] || '').replace('{name}', payload.user_name || '');
      const body = payload.art_id ? document.createElement('a') : document.createElement('span');
      if (payload.art_id) body.href = `/articles/${payload.art_id}`;
      body.textContent = payload.art_title ? `${text}《${payload.art_title}》` : text;
      const time = document.createElement('time');
      // The contract's timestamps are seconds.
      const at = payload.timestamp ? payload.timestamp * (payload.timestamp < 1e12 ? 1000 : 1) : Date.now();
      time.dateTime = new Date(at).toISOString();
      time.textContent = new Date(at).toLocaleString(document.documentElement.lang);
      item.append(badge, ' ', body, ' ', time);
      list.prepend(item);
      document.getElementById('no-notifications')?.remove();
    };
    socket.on('following notify', (p) => add('follow', p));
    socket.on('liking notify', (p) => add('like', p));
    socket.on('comment notify', (p) => add('comment', p));
  }

  // Pull fresh on return: a feed left open (or restored from the back-forward cache) asks for
  // its first page again when the reader comes back, and puts the new stories on top.
  function freshOnReturn(list) {
    if (location.search.includes('t=')) return; // a later page of the feed: nothing to prepend
    let hiddenAt = 0;
    const refresh = async () => {
      try {
        const response = await fetch(location.pathname, { headers: { accept: 'text/html' }, cache: 'no-cache' });
        if (!response.ok) return;
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const known = new Set([...list.querySelectorAll('h2 a')].map((a) => a.getAttribute('href')));
        const fresh = [...page.querySelectorAll('ol.feed > li')].filter(
          (item) => !known.has(item.querySelector('h2 a')?.getAttribute('href')),
        );
        for (const item of fresh.reverse()) list.prepend(document.adoptNode(item));
      } catch {
        // Stale is fine: the next visit brings it.
      }
    };
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') hiddenAt = Date.now();
      else if (hiddenAt && Date.now() - hiddenAt > 30_000) refresh();
    });
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) refresh();
    });
  }

  // A console operation's progress bar: polls its JSON once a second, reloads the page when the
  // run has ended (the page then shows the result). Without script the page has a reload link.
  function progress(box) {
    const bar = box.querySelector('progress');
    const text = box.querySelector('[data-progress-text]');
    const phase = box.querySelector('[data-progress-phase]');
    const poll = async () => {
      try {
        const response = await fetch(box.dataset.progressUrl, {
          headers: { accept: 'application/json' },
          cache: 'no-store',
        });
        if (response.ok) {
          const op = await response.json();
          if (op.state !== 'running') return location.reload();
          if (bar) bar.value = op.percent;
          if (text) text.textContent = `${op.done}/${op.total}`;
          if (phase) phase.textContent = op.phase ?? '';
        }
      } catch {
        // A missed beat: the next one tries again.
      }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 1000);
  }

  for (const form of document.querySelectorAll('form[data-toggle]')) toggle(form);
  for (const box of document.querySelectorAll('[data-progress-url]')) progress(box);
  const send = document.getElementById('send-code');
  if (send) smsButton(send);
  const notifications = document.querySelector('[data-live]');
  if (notifications) live(notifications);
  const feed = document.querySelector('main > ol.feed');
  if (feed && (location.pathname === '/' || location.pathname.startsWith('/channels/'))) freshOnReturn(feed);
  for (const link of document.querySelectorAll('a.more[rel="next"]')) followMore(link);
  const search = document.querySelector('form.search input[name="q"]');
  if (search) suggest(search);
})();
