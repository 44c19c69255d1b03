import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "./App.tsx";

// Tell React this environment supports act() (silences warnings under Vitest).
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe("App", () => {
  let container: HTMLDivElement;
  let root: Root;

  beforeEach(() => {
    container = document.createElement("div");
    document.body.appendChild(container);
    root = createRoot(container);
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });

  it("renders the heading and the empty state", () => {
    act(() => root.render(<App />));

    expect(container.querySelector("h1")?.textContent).toBe("skillmeat");
    expect(container.textContent).toContain(
      "Collection manager for Claude Code plugins",
    );
    expect(container.querySelector(".empty-state")?.textContent).toBe(
      "No collection loaded yet — import a plugin folder to begin.",
    );
  });
});
