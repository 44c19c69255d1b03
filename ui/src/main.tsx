import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { inTauri, tauriTransport, type Transport } from "./transport.ts";
import "./styles.css";

const container = document.getElementById("root");
if (!container) {
  throw new Error("skillmeat: #root element not found");
}

const transport: Transport | null = inTauri() ? await tauriTransport() : null;

createRoot(container).render(
  <StrictMode>
    <App transport={transport} />
  </StrictMode>,
);

// Once the first frame is on screen, the app logs cold start to first paint.
requestAnimationFrame(() =>
  setTimeout(() => {
    transport?.call("first_paint", null).catch(() => {});
  }),
);
