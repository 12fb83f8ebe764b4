// Saved searches, in localStorage for now (per browser); they move to the
// server with users (issue 7).

export interface SavedSearch {
  name: string;
  /** The search URL's query string: q, chips, range. */
  params: string;
}

const key = 'sekimori.saved';

export function listSaved(): SavedSearch[] {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? '[]') as SavedSearch[];
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** saveSearch adds s, replacing a saved search of the same name. */
export function saveSearch(s: SavedSearch): SavedSearch[] {
  const list = listSaved().filter((x) => x.name !== s.name);
  list.push(s);
  list.sort((a, b) => a.name.localeCompare(b.name));
  localStorage.setItem(key, JSON.stringify(list));
  return list;
}

export function deleteSaved(name: string): SavedSearch[] {
  const list = listSaved().filter((x) => x.name !== name);
  localStorage.setItem(key, JSON.stringify(list));
  return list;
}
