import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { Browser } from "./Browser.tsx";
import { HttpTransport, takeToken } from "./http.ts";
import { inTauri, tauriTransport } from "./transport.ts";
import "./styles.css";

const container = document.getElementById("root");
if (!container) {
  throw new Error("skillmeat: #root element not found");
}

// Inside the desktop window: Tauri. In a browser: `skillmeat serve`, which
// served this page, with the token of the URL's fragment.
const transport = inTauri() ? await tauriTransport() : null;
const http = transport ? null : new HttpTransport({ token: takeToken() });

createRoot(container).render(<StrictMode>{http ? <Browser http={http} /> : <App transport={transport} />}</StrictMode>);

// Once the first frame is on screen, the app logs cold start to first paint.
requestAnimationFrame(() =>
  setTimeout(() => {
    transport?.call("first_paint", null).catch(() => {});
  }),
);
