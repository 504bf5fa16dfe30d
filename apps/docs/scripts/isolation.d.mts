export declare const CROSS_ORIGIN_ISOLATION: Readonly<Record<string, string>>;
