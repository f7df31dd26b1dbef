// Inkstone reader site: enhancements only. Every page works without this file; with it, lists
// load their next page as the reader nears the end (the "more" link stays the fallback), and the
// search box offers suggestions from the app's own suggestion API while typing.
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

  for (const link of document.querySelectorAll('a.more[rel="next"]')) followMore(link);
  const search = document.querySelector('form.search input[name="q"]');
  if (search) suggest(search);
})();
