import { useState } from "react";
import { type Route, TransportContext, useTransport } from "./context.tsx";
import type { Transport } from "./transport.ts";
import { isHashFirst } from "./upload/flow.ts";
import { ArtifactDetail } from "./views/ArtifactDetail.tsx";
import { BrowserImport } from "./views/BrowserImport.tsx";
import { Collection } from "./views/Collection.tsx";
import { Deploy } from "./views/Deploy.tsx";
import { Export } from "./views/Export.tsx";
import { ImportWizard } from "./views/ImportWizard.tsx";
import { Project } from "./views/Project.tsx";
import { Updates } from "./views/Updates.tsx";

const NAV: Array<{ view: "collection" | "import" | "updates" | "deploy" | "project" | "export"; label: string }> = [
  { view: "collection", label: "Collection" },
  { view: "updates", label: "Updates" },
  { view: "import", label: "Import" },
  { view: "deploy", label: "Deploy" },
  { view: "project", label: "Project" },
  { view: "export", label: "Export" },
];

/** The views this host has: Import in a browser only over the hash-first
 * protocol (skillmeat serve), Deploy and Project only where deploying works. */
function navFor(t: Transport | null) {
  return NAV.filter(
    (n) => !(n.view === "import" && t?.host === "browser" && !isHashFirst(t)) && !((n.view === "deploy" || n.view === "project") && t && !t.deploy),
  );
}

export function App({ transport, initial }: { transport: Transport | null; initial?: Route }) {
  const [route, setRoute] = useState<Route>(initial ?? { view: "collection" });
  return (
    <TransportContext.Provider value={transport}>
      <div className="app">
        <header className="top">
          <h1>skillmeat</h1>
          <p className="tagline">Collection manager for Claude Code plugins</p>
          <nav aria-label="Main">
            {navFor(transport).map((n) => (
              <button key={n.view} aria-current={route.view === n.view ? "page" : undefined} onClick={() => setRoute({ view: n.view })}>
                {n.label}
              </button>
            ))}
          </nav>
        </header>
        <main>
          {!transport ? (
            <section className="empty-state" role="status">
              Open skillmeat in its desktop window (make run) — this page has no engine to talk to.
            </section>
          ) : (
            <View route={route} go={setRoute} />
          )}
        </main>
      </div>
    </TransportContext.Provider>
  );
}

function View({ route, go }: { route: Route; go: (r: Route) => void }) {
  switch (route.view) {
    case "collection":
      return <Collection go={go} />;
    case "artifact":
      return <ArtifactDetail key={route.id} id={route.id} go={go} />;
    case "import":
      return <Import go={go} />;
    case "deploy":
      return <Deploy key={route.name ?? ""} name={route.name} go={go} />;
    case "project":
      return <Project key={route.project ?? ""} project={route.project} />;
    case "export":
      return <Export key={route.name ?? ""} name={route.name} />;
    case "updates":
      return <Updates />;
  }
}

/** The desktop wizard in the window; in a browser, hashing in the page and
 * uploading only what the server lacks (views/BrowserImport.tsx). */
function Import({ go }: { go: (r: Route) => void }) {
  const t = useTransport();
  return t.host === "browser" && isHashFirst(t) ? <BrowserImport go={go} api={t} /> : <ImportWizard go={go} />;
}

export default App;
