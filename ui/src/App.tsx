export function App() {
  return (
    <main className="app">
      <header>
        <h1>skillmeat</h1>
        <p className="tagline">Collection manager for Claude Code plugins</p>
      </header>
      <section className="empty-state" role="status">
        No collection loaded yet — import a plugin folder to begin.
      </section>
    </main>
  );
}

export default App;
