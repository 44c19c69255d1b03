import { createContext, useContext } from "react";
import type { Transport } from "./transport.ts";

export const TransportContext = createContext<Transport | null>(null);

export function useTransport(): Transport {
  const t = useContext(TransportContext);
  if (!t) throw new Error("no transport: wrap the view in <TransportContext.Provider>");
  return t;
}

/** Where the app is; views navigate by calling `go`. */
export type Route =
  | { view: "collection" }
  | { view: "artifact"; id: string }
  | { view: "import" }
  | { view: "updates" }
  | { view: "deploy"; name?: string }
  | { view: "project"; project?: string }
  | { view: "export"; name?: string };

export type Go = (r: Route) => void;
